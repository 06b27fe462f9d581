//! `campaign-tracker account ...`: people's accounts from the command line,
//! which is how the first admin is made on a fresh install. Passwords are
//! read from standard input (never an argument: arguments show in `ps`).

use std::io::BufRead;

use clap::Subcommand;

use crate::accounts::{self, AccountPatch, NewAccount, password};
use crate::audit::Actor;
use crate::auth::Role;
use crate::db::DbConn;

/// Account commands.
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an account. With `--password-stdin` the first line of
    /// standard input is its password; without, a one-time password is
    /// printed, to be changed at first sign-in.
    Create {
        /// Username (3-64 letters, digits, `.`, `_`, `-`, `@`).
        #[arg(long)]
        username: String,
        /// admin, agency or viewer.
        #[arg(long, value_parser = ["admin", "agency", "viewer"])]
        role: String,
        /// Agency code (agency accounts only).
        #[arg(long)]
        agency: Option<String>,
        /// Area code its answers are limited to (agency and viewer accounts).
        #[arg(long)]
        area: Option<String>,
        /// Name shown (default: the username).
        #[arg(long)]
        display_name: Option<String>,
        /// E-mail.
        #[arg(long)]
        email: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts (tab-separated).
    List,
    /// Disable an account: it cannot sign in and its sessions end at once.
    Disable {
        /// Username.
        username: String,
    },
    /// Enable a disabled account.
    Enable {
        /// Username.
        username: String,
    },
    /// Reset a password: prints a one-time password (or, with
    /// `--password-stdin`, sets the one read); every session ends.
    ResetPassword {
        /// Username.
        username: String,
        /// Read the new password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

fn read_password(username: &str) -> Result<String, String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("reading the password: {e}"))?;
    let password = line.trim_end_matches(['\n', '\r']).to_string();
    if let Some(why) = password::weakness(&password, username) {
        return Err(format!("password: {why}"));
    }
    Ok(password)
}

/// Runs an account command.
pub fn run(conn: &mut DbConn, cmd: AccountCommand) -> Result<(), String> {
    let actor = Actor::cli();
    match cmd {
        AccountCommand::Create {
            username,
            role,
            agency,
            area,
            display_name,
            email,
            password_stdin,
        } => {
            let (secret, must_change) = if password_stdin {
                (read_password(&username)?, false)
            } else {
                (password::one_time(), true)
            };
            let hash = password::hash_now(&secret).map_err(super::show)?;
            let req = NewAccount {
                display_name: display_name.unwrap_or_else(|| username.clone()),
                username,
                email,
                role: Role::parse(&role).ok_or("unknown role")?,
                agency,
                area,
            };
            let a = accounts::create(conn, &actor, &req, hash, must_change).map_err(super::show)?;
            eprintln!(
                "created account {} ({}, {})",
                a.username,
                a.role.as_str(),
                a.id
            );
            if must_change {
                println!("{secret}");
                eprintln!("the one-time password above must be changed at first sign-in");
            }
        }
        AccountCommand::List => {
            println!("id\tusername\tdisplay_name\trole\tagency\tarea\tdisabled\ttotp");
            let mut after: Option<String> = None;
            loop {
                let page = accounts::list(conn, after.as_deref(), 500).map_err(super::show)?;
                for a in &page {
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                        a.id,
                        a.username,
                        a.display_name,
                        a.role.as_str(),
                        a.agency.clone().unwrap_or_default(),
                        a.area.clone().unwrap_or_default(),
                        a.disabled,
                        a.totp_enabled
                    );
                }
                match page.last() {
                    Some(last) if page.len() == 500 => {
                        after = Some(last.username.to_ascii_lowercase())
                    }
                    _ => break,
                }
            }
        }
        AccountCommand::Disable { username } => set_disabled(conn, &actor, &username, true)?,
        AccountCommand::Enable { username } => set_disabled(conn, &actor, &username, false)?,
        AccountCommand::ResetPassword {
            username,
            password_stdin,
        } => {
            let row = accounts::by_username(conn, &username).map_err(super::show)?;
            let (secret, must_change) = if password_stdin {
                (read_password(&row.username)?, false)
            } else {
                (password::one_time(), true)
            };
            let hash = password::hash_now(&secret).map_err(super::show)?;
            accounts::set_password(conn, &actor, &row.id, hash, must_change, None)
                .map_err(super::show)?;
            eprintln!("password of {} reset; every session ended", row.username);
            if must_change {
                println!("{secret}");
                eprintln!("the one-time password above must be changed at next sign-in");
            }
        }
    }
    Ok(())
}

fn set_disabled(
    conn: &mut DbConn,
    actor: &Actor,
    username: &str,
    disabled: bool,
) -> Result<(), String> {
    let row = accounts::by_username(conn, username).map_err(super::show)?;
    let patch = AccountPatch {
        disabled: Some(disabled),
        ..AccountPatch::default()
    };
    let a = accounts::update(conn, actor, &row.id, &patch).map_err(super::show)?;
    eprintln!(
        "account {} is {}",
        a.username,
        if a.disabled {
            "disabled; its sessions have ended"
        } else {
            "enabled"
        }
    );
    Ok(())
}
