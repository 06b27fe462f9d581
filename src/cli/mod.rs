//! The command line: `serve` (default), `migrate`, `openapi`, `token ...`,
//! `account ...` ([`account`]), `areas ...`.
//! Every command reads the same [`Settings`] as the server.

use std::io::IsTerminal;
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{ArgGroup, Parser, Subcommand};

use crate::audit::Actor;
use crate::auth::Role;
use crate::config::Settings;
use crate::tokens::{self, NewToken};

mod account;
mod keys;
pub use account::AccountCommand;
pub use keys::KeysCommand;

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
    /// Create and manage people's accounts (how the first admin is made).
    #[command(subcommand)]
    Account(AccountCommand),
    /// Import administrative units and their successors from CSV files.
    #[command(subcommand)]
    Areas(AreasCommand),
    /// Rotate the participant key.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Developer tools: a realistic dataset for benchmarks.
    #[command(subcommand)]
    Dev(DevCommand),
}

/// Developer commands.
#[derive(Debug, Subcommand)]
pub enum DevCommand {
    /// Generate a reproducible dataset (see `src/dev.rs`): per-agency NDJSON
    /// files to post through the API, and the same reports as plain CSV
    /// tables for a `COPY` baseline.
    Generate {
        /// `small` (10k events, 20k people) or `national` (1M events, 2M people).
        #[arg(long, default_value = "small", value_parser = ["small", "national"])]
        size: String,
        /// Random seed: the same seed gives the same files.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Override the number of events of the size.
        #[arg(long)]
        events: Option<usize>,
    },
}

/// Administrative-area commands. Each import is all or nothing: any bad row
/// is printed as `line N: reason` (every one of them), nothing is written,
/// and the command exits with status 1.
#[derive(Debug, Subcommand)]
pub enum AreasCommand {
    /// Import units (CSV header `code,name,level,parent_code`), all valid in
    /// the given period (at least one bound). Re-importing a file changes nothing.
    #[command(group(ArgGroup::new("period").required(true).multiple(true).args(["valid_from", "valid_until"])))]
    Import {
        /// The CSV file.
        file: PathBuf,
        /// First day the units are valid (YYYY-MM-DD).
        #[arg(long)]
        valid_from: Option<NaiveDate>,
        /// Last day the units are valid (YYYY-MM-DD).
        #[arg(long)]
        valid_until: Option<NaiveDate>,
    },
    /// Import successors (CSV header `old_code,new_code,default`): each retired
    /// unit and the unit(s) valid from the next day that replaced it.
    ImportSuccessors {
        /// The CSV file.
        file: PathBuf,
    },
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
        #[arg(long, default_value_t = tokens::DEFAULT_TTL_DAYS)]
        ttl_days: u32,
        /// A viewer token for the public: it reads publications only.
        #[arg(long)]
        public: bool,
    },
    /// List issued tokens (metadata only, tab-separated).
    List,
    /// Revoke a token by its id (jti).
    Revoke {
        /// Token id.
        jti: String,
    },
}

/// Parses the command line; `--help` lists the environment variables.
pub fn parse() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    let matches = Cli::command()
        .after_help(crate::config::help_text())
        .get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// Runs the parsed command. Errors are one line for the user.
pub fn run(cli: Cli) -> Result<(), String> {
    if let Some(Command::Dev(cmd)) = cli.command {
        return dev(cmd);
    }
    let settings = Settings::from_env().map_err(|e| format!("configuration: {e}"))?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            crate::allocator::give_back_freed_memory_at_once();
            actix_web::rt::System::new()
                .block_on(crate::startup::serve(settings))
                .map_err(|e| e.to_string())
        }
        Command::Migrate => {
            announce(&settings);
            crate::startup::prepare(&settings).map_err(|e| e.to_string())?;
            eprintln!("migrations applied to {}", settings.database_url.redacted());
            Ok(())
        }
        Command::Openapi => {
            print!("{}", crate::openapi::document_json());
            Ok(())
        }
        Command::Token(cmd) => token(&settings, cmd),
        Command::Account(cmd) => {
            let (_state, mut conn) = one_shot(&settings)?;
            account::run(&mut conn, cmd)
        }
        Command::Areas(cmd) => areas(&settings, cmd),
        Command::Keys(cmd) => keys::run(&settings, cmd),
        Command::Dev(cmd) => dev(cmd),
    }
}

/// Prepares the database and opens one connection for a one-shot command.
/// Not a pooled connection: taking one makes the pool refill itself from a
/// background thread, and a process that exits while that thread is opening
/// a PostgreSQL connection can crash in libpq's exit-time clean-up (seen as
/// a SIGSEGV after `token issue` printed its token).
fn one_shot(settings: &Settings) -> Result<(crate::state::AppState, crate::db::DbConn), String> {
    announce(settings);
    let state = crate::startup::prepare(settings).map_err(|e| e.to_string())?;
    let conn = crate::db::Manager::new(settings)
        .open()
        .map_err(|e| format!("database: {e}"))?;
    Ok((state, conn))
}

/// Says on stderr which database and key files a one-shot command uses,
/// and warns loudly when it is about to create a new, empty service.
fn announce(settings: &Settings) {
    let footprint = crate::startup::Footprint::of(settings);
    if let Some(warning) = footprint.warning(&settings.data_dir) {
        eprintln!("{warning}");
    }
    eprintln!("using {}", footprint.describe());
}

fn dev(cmd: DevCommand) -> Result<(), String> {
    let DevCommand::Generate {
        size,
        seed,
        out,
        events,
    } = cmd;
    let mut size = crate::dev::Size::named(&size).ok_or("unknown size")?;
    if let Some(n) = events {
        size.events = n;
    }
    let started = std::time::Instant::now();
    let progress = |done: usize, total: usize| {
        if done.is_multiple_of(100_000) || done == total {
            eprintln!(
                "generated {done} of {total} events ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
        }
    };
    let s = crate::dev::generate(size, seed, &out, &progress)
        .map_err(|e| format!("writing {}: {e}", out.display()))?;
    eprintln!(
        "{} reports ({} duplicates, {} joint), {} attendance rows, {} distinct people \
         (at most {} reports each) in {}",
        s.reports,
        s.duplicates,
        s.joint,
        s.attendance_rows,
        s.distinct_people,
        s.max_per_person,
        out.display()
    );
    Ok(())
}

fn areas(settings: &Settings, cmd: AreasCommand) -> Result<(), String> {
    let file = match &cmd {
        AreasCommand::Import { file, .. } | AreasCommand::ImportSuccessors { file } => file.clone(),
    };
    let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let text =
        String::from_utf8(bytes).map_err(|_| format!("{}: not UTF-8 text", file.display()))?;
    let (_state, mut conn) = one_shot(settings)?;
    let bar = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let actor = Actor::cli();
    let result = match cmd {
        AreasCommand::Import {
            valid_from,
            valid_until,
            ..
        } => {
            crate::areas::import_units(&mut conn, &text, valid_from, valid_until, &actor, &progress)
        }
        AreasCommand::ImportSuccessors { .. } => {
            crate::areas::import_successors(&mut conn, &text, &actor, &progress)
        }
    };
    bar.finish_and_clear();
    match result {
        Ok(s) => {
            println!(
                "created {}, changed {}, unchanged {}",
                s.created, s.changed, s.unchanged
            );
            Ok(())
        }
        Err(crate::error::ApiError::Validation { errors, .. }) => {
            for e in &errors {
                eprintln!("{}: {}", e.field, e.message);
            }
            Err(format!(
                "{} problem(s) in {}; nothing was imported",
                errors.len(),
                file.display()
            ))
        }
        Err(e) => Err(e.problem().detail),
    }
}

/// An error as one line for the user: the field errors, or the detail.
fn show(e: crate::error::ApiError) -> String {
    let p = e.problem();
    match p.errors {
        Some(errors) => errors
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        None => p.detail,
    }
}

fn token(settings: &Settings, cmd: TokenCommand) -> Result<(), String> {
    let (state, mut conn) = one_shot(settings)?;
    match cmd {
        TokenCommand::Issue {
            role,
            agency,
            label,
            ttl_days,
            public,
        } => {
            let req = NewToken {
                role: Role::parse(&role).ok_or("unknown role")?,
                agency,
                label,
                ttl_days: Some(ttl_days),
                public,
                area: None,
            };
            let (issued, info) =
                tokens::issue_token(&mut conn, &state.auth, &Actor::cli(), &req).map_err(show)?;
            eprintln!(
                "issued token {} ({}), expires {}",
                info.id,
                info.role.as_str(),
                info.expires_at
            );
            println!("{}", issued.token);
        }
        TokenCommand::List => {
            let infos = tokens::list_tokens(&mut conn).map_err(show)?;
            println!("id\trole\tagency\tlabel\tissued_at\texpires_at\trevoked_at");
            for t in infos {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.role.as_str(),
                    t.agency.unwrap_or_default(),
                    t.label,
                    t.issued_at.naive_utc(),
                    t.expires_at.naive_utc(),
                    t.revoked_at
                        .map(|t| t.naive_utc().to_string())
                        .unwrap_or_default()
                );
            }
        }
        TokenCommand::Revoke { jti } => {
            let info = tokens::revoke_token(&mut conn, &Actor::cli(), &jti).map_err(show)?;
            eprintln!("revoked token {}", info.id);
        }
    }
    Ok(())
}
