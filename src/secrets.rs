//! Key files: the JWT signing keys and the participant key, each `kid:hexsecret`,
//! created with mode 0600 when absent.

use std::io::Write;
use std::path::Path;

/// Reads `kid:hexsecret` from a key file, or creates it (mode 0600).
pub fn load_or_create_key_file(path: &Path, prefix: &str) -> Result<(String, Vec<u8>), String> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let (kid, secret) = text
                .trim()
                .split_once(':')
                .ok_or_else(|| format!("{} is not kid:secret", path.display()))?;
            if secret.len() < crate::config::MIN_SECRET_LEN {
                return Err(format!(
                    "the secret in {} is shorter than 32 bytes",
                    path.display()
                ));
            }
            Ok((kid.to_string(), secret.as_bytes().to_vec()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            let mut bytes = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
            let secret = hex::encode(bytes);
            let kid = format!("{prefix}-{}", &secret[..8]);
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            match opts.open(path) {
                Ok(mut f) => {
                    f.write_all(format!("{kid}:{secret}\n").as_bytes())
                        .and_then(|_| f.sync_all())
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                    log::info!("generated a new key in {}", path.display());
                    Ok((kid, secret.into_bytes()))
                }
                // Another process created it first: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    load_or_create_key_file(path, prefix)
                }
                Err(e) => Err(format!("{}: {e}", path.display())),
            }
        }
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}
