//! The command line: `serve` (default), `migrate`, `openapi`, `token ...`.
//! Every command reads the same [`Settings`] as the server.

use clap::{Parser, Subcommand};

use crate::audit::Actor;
use crate::auth::Role;
use crate::config::Settings;
use crate::manage::{self, NewToken};

/// campaign-tracker: outreach events and deduplicated aggregates for partner agencies.
///
/// Configuration comes from environment variables (see the README); with none
/// set, the service uses an embedded SQLite database in ./data.
#[derive(Debug, Parser)]
#[command(name = "campaign-tracker", version)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (applies migrations first).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document (what `openapi/openapi.json` holds).
    Openapi,
    /// Issue, list and revoke API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
}

/// Token commands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a token and print only the token, so `TOKEN=$(campaign-tracker token issue ...)` works.
    Issue {
        /// admin, agency or viewer.
        #[arg(long, value_parser = ["admin", "agency", "viewer"])]
        role: String,
        /// Agency code (agency tokens only).
        #[arg(long)]
        agency: Option<String>,
        /// Who holds the token.
        #[arg(long, default_value = "issued from the command line")]
        label: String,
        /// Lifetime in days.
        #[arg(long, default_value_t = manage::DEFAULT_TTL_DAYS)]
        ttl_days: u32,
    },
    /// List issued tokens (metadata only, tab-separated).
    List,
    /// Revoke a token by its id (jti).
    Revoke {
        /// Token id.
        jti: String,
    },
}

/// Runs the parsed command. Errors are one line for the user.
pub fn run(cli: Cli) -> Result<(), String> {
    let settings = Settings::from_env().map_err(|e| format!("configuration: {e}"))?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => actix_web::rt::System::new()
            .block_on(crate::startup::serve(settings))
            .map_err(|e| e.to_string()),
        Command::Migrate => {
            crate::startup::prepare(&settings).map_err(|e| e.to_string())?;
            eprintln!("migrations applied to {}", settings.database_url.redacted());
            Ok(())
        }
        Command::Openapi => {
            print!("{}", crate::openapi::document_json());
            Ok(())
        }
        Command::Token(cmd) => token(&settings, cmd),
    }
}

fn token(settings: &Settings, cmd: TokenCommand) -> Result<(), String> {
    let state = crate::startup::prepare(settings).map_err(|e| e.to_string())?;
    let mut conn = state.pool.get().map_err(|e| format!("database: {e}"))?;
    let show = |e: crate::error::ApiError| {
        let p = e.problem();
        match p.errors {
            Some(errors) => errors
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; "),
            None => p.detail,
        }
    };
    match cmd {
        TokenCommand::Issue {
            role,
            agency,
            label,
            ttl_days,
        } => {
            let req = NewToken {
                role: Role::parse(&role).ok_or("unknown role")?,
                agency,
                label,
                ttl_days: Some(ttl_days),
            };
            let (issued, info) =
                manage::issue_token(&mut conn, &state.auth, &Actor::cli(), &req).map_err(show)?;
            eprintln!(
                "issued token {} ({}), expires {}",
                info.id,
                info.role.as_str(),
                info.expires_at
            );
            println!("{}", issued.token);
        }
        TokenCommand::List => {
            let rows = crate::db::tokens::list(&mut conn).map_err(|e| e.to_string())?;
            println!("id\trole\tagency\tlabel\tissued_at\texpires_at\trevoked_at");
            for r in rows {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    r.jti,
                    r.role,
                    r.agency_code.unwrap_or_default(),
                    r.label,
                    r.issued_at,
                    r.expires_at,
                    r.revoked_at.map(|t| t.to_string()).unwrap_or_default()
                );
            }
        }
        TokenCommand::Revoke { jti } => {
            let info = manage::revoke_token(&mut conn, &Actor::cli(), &jti).map_err(show)?;
            eprintln!("revoked token {}", info.id);
        }
    }
    Ok(())
}
