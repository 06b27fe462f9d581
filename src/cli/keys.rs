//! `campaign-tracker keys ...`: the participant key's rotation (issue 34,
//! README "The participant key"). The work is [`crate::privacy::keys`].

use clap::Subcommand;

use crate::config::Settings;
use crate::privacy::keys::{Options, rotate};

/// Key commands.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Rotate the participant key: add a new secret to the key file (when
    /// it holds none newer than the database's), then re-key every stored
    /// key and recompute events' content hashes. Resumable: run it again
    /// after a crash. The service may keep running; writes carrying
    /// participants are refused (503, sent again) until it ends.
    RotateParticipantKey {
        /// Rows per transaction.
        #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(i64).range(1..=100_000))]
        batch: i64,
        /// Only add the new secret to the key file (to copy it to every
        /// instance before rotating).
        #[arg(long)]
        add_secret_only: bool,
        /// Tests only: abort inside this batch, before it commits.
        #[arg(long, hide = true)]
        abort_in_batch: Option<u64>,
    },
}

/// Runs a key command.
pub fn run(settings: &Settings, cmd: KeysCommand) -> Result<(), String> {
    let KeysCommand::RotateParticipantKey {
        batch,
        add_secret_only,
        abort_in_batch,
    } = cmd;
    let (state, mut conn) = super::one_shot(settings)?;
    let row = crate::db::key_epoch::read(&mut conn).map_err(|e| e.to_string())?;
    let have = state.pseudonymizer.kids().len();
    let needs_secret = row.rotating_to.is_none() && have <= row.epoch as usize + 1;
    if needs_secret || add_secret_only {
        if settings.participant_key.is_some() {
            return Err(format!(
                "PARTICIPANT_KEY holds {have} secret(s) and the database is at epoch {}: add a new secret at its end (after a comma) on every instance, then run this again",
                row.epoch
            ));
        }
        let path = settings.data_dir.join("participant.key");
        let kid = crate::secrets::append_new_key(&path, "participant")?;
        eprintln!(
            "added the new secret {kid} to {}; instances that do not share this file need a copy of it (they take it within seconds)",
            path.display()
        );
        if add_secret_only {
            return Ok(());
        }
    }
    let pseudonymizer = crate::startup::participant_keys(settings)?;
    let done = rotate(
        &mut conn,
        &pseudonymizer,
        Options {
            batch,
            abort_in_batch,
        },
        &mut |line| eprintln!("{line}"),
    )
    .map_err(|e| e.to_string())?;
    for r in done {
        println!(
            "participant key at epoch {} ({}): {} keys re-keyed, {} content hashes changed{}",
            r.to_epoch,
            r.kid,
            r.rekeyed,
            r.rehashed,
            if r.not_rehashed > 0 {
                format!(
                    ", {} events no longer pass today's checks and keep their hash",
                    r.not_rehashed
                )
            } else {
                String::new()
            }
        );
    }
    Ok(())
}
