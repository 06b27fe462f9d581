//! Key files: the JWT signing keys and the participant key, each `kid:hexsecret`,
//! created with mode 0600 when absent. The participant key file is a chain,
//! one `kid:secret` line per epoch, oldest first: a rotation appends a line
//! ([`append_new_key`]) and never removes one.

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
            let (kid, secret) = new_secret(prefix);
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

/// A new random secret (32 bytes, hex) and its key id.
fn new_secret(prefix: &str) -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    let secret = hex::encode(bytes);
    (format!("{prefix}-{}", &secret[..8]), secret)
}

/// Reads every `kid:secret` line of a key file, in order.
pub fn read_key_chain(path: &Path) -> Result<Vec<crate::domain::ChainSecret>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut chain = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let (kid, secret) = line
            .trim()
            .split_once(':')
            .ok_or_else(|| format!("{} line {}: not kid:secret", path.display(), n + 1))?;
        if secret.len() < crate::config::MIN_SECRET_LEN {
            return Err(format!(
                "{} line {}: the secret is shorter than 32 bytes",
                path.display(),
                n + 1
            ));
        }
        chain.push(crate::domain::ChainSecret {
            kid: kid.to_string(),
            secret: secret.as_bytes().to_vec(),
        });
    }
    if chain.is_empty() {
        return Err(format!("{} holds no key", path.display()));
    }
    Ok(chain)
}

/// The participant key chain from its file, created with one secret when
/// absent.
pub fn load_or_create_key_chain(
    path: &Path,
    prefix: &str,
) -> Result<Vec<crate::domain::ChainSecret>, String> {
    if !path.exists() {
        load_or_create_key_file(path, prefix)?;
    }
    read_key_chain(path)
}

/// Appends a new secret to the key file (which must exist), synced to disk
/// before it returns; returns its key id.
pub fn append_new_key(path: &Path, prefix: &str) -> Result<String, String> {
    let (kid, secret) = new_secret(prefix);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let sep = if text.ends_with('\n') || text.is_empty() {
        ""
    } else {
        "\n"
    };
    f.write_all(format!("{sep}{kid}:{secret}\n").as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(kid)
}
