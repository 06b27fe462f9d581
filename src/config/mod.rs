//! Service configuration: one [`Settings`] value built from environment variables.
//!
//! Nothing reads the environment after start-up; the value is passed to whatever
//! needs it (the server, the CLI, the tests), so tests build their own.
//!
//! [`VARIABLES`] lists every variable with its default and meaning (the
//! README's table and `--help` are rendered from it).
//!
//! When `JWT_KEYS` is not set, a key is generated on first start and kept in
//! `$DATA_DIR/jwt.key` with mode 0600, so tokens survive restarts.

/// How reporting periods cut their months (`REPORTING_PERIODS`).
pub use crate::domain::calendar::PeriodRule;
/// The working-day calendar of request deadlines (`PUBLIC_HOLIDAYS`).
pub use crate::domain::workdays::Calendar as Workdays;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

mod variables;

pub use variables::{VARIABLES, Variable, help_text, markdown_table};

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// A database location parsed from `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://PATH` (or a bare path): the file path.
    Sqlite(PathBuf),
    /// `postgres://...` or `postgresql://...`: the URL as given.
    Postgres(String),
}

impl DatabaseUrl {
    /// Parses a `DATABASE_URL` value.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            Ok(Self::Postgres(raw.to_string()))
        } else if let Some(path) = raw.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("DATABASE_URL sqlite:// needs a file path".into());
            }
            Ok(Self::Sqlite(PathBuf::from(path)))
        } else if let Some(path) = raw.strip_prefix("sqlite:") {
            Ok(Self::Sqlite(PathBuf::from(path)))
        } else {
            Err(format!(
                "DATABASE_URL must start with sqlite:// or postgres:// (got scheme {:?})",
                raw.split("://").next().unwrap_or("")
            ))
        }
    }

    /// Which backend this URL selects.
    pub fn kind(&self) -> BackendKind {
        match self {
            Self::Sqlite(_) => BackendKind::Sqlite,
            Self::Postgres(_) => BackendKind::Postgres,
        }
    }

    /// A description safe to log: the password of a PostgreSQL URL is hidden.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(p) => format!("sqlite://{}", p.display()),
            Self::Postgres(u) => match url::Url::parse(u) {
                Ok(mut parsed) => {
                    if parsed.password().is_some() {
                        let _ = parsed.set_password(Some("***"));
                    }
                    parsed.to_string()
                }
                Err(_) => "postgres://(unparseable)".into(),
            },
        }
    }
}

/// SQLite's `synchronous` pragma.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqliteSynchronous {
    /// Every commit is fsynced: an acknowledged write survives power loss.
    Full,
    /// WAL is fsynced at checkpoints only: faster, may lose the last commits on power loss.
    Normal,
}

/// Everything the service and the CLI need to know, read once at start-up.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address the HTTP server binds.
    pub bind_addr: String,
    /// Directory for the embedded database and generated key files.
    pub data_dir: PathBuf,
    /// Database location.
    pub database_url: DatabaseUrl,
    /// Pool size.
    pub pool_size: u32,
    /// Wait for a pooled connection (and SQLite busy timeout).
    pub db_timeout: Duration,
    /// PostgreSQL statement limit for request connections.
    pub statement_timeout: Duration,
    /// How long in-flight requests may finish after SIGTERM.
    pub shutdown_timeout: Duration,
    /// Browser origins allowed by CORS (exact matches).
    pub cors_origins: Vec<String>,
    /// SQLite durability.
    pub sqlite_synchronous: SqliteSynchronous,
    /// Largest request body in bytes.
    pub body_limit: usize,
    /// Configured signing keys, `kid` -> secret, in configuration order (first signs).
    /// Empty means "generate or load `$DATA_DIR/jwt.key`".
    pub jwt_keys: Vec<(String, Vec<u8>)>,
    /// `iss` claim.
    pub jwt_issuer: String,
    /// `aud` claim.
    pub jwt_audience: String,
    /// Leeway in seconds for `exp` and `nbf`.
    pub jwt_leeway_secs: u64,
    /// Requests per token per minute; 0 disables the limit.
    pub rate_limit_per_minute: u32,
    /// Heavy answers computed at once.
    pub heavy_at_once: usize,
    /// Heavy answers one token may have computed at once.
    pub heavy_per_token: usize,
    /// Requests one token (or signed-in person) may have handled at once.
    pub token_requests_at_once: usize,
    /// Largest aggregate answer in cells (rows x columns).
    pub answer_cells_max: usize,
    /// Cells of aggregate answers being written at once
    /// (`ANSWER_CELLS_AT_ONCE`): the cap on answer bytes in memory.
    pub answer_cells_at_once: usize,
    /// Load the shipped administrative units into a new database.
    pub load_areas: bool,
    /// Participant hashing secret, or a chain of them separated by commas,
    /// oldest first (None: generate or load `$DATA_DIR/participant.key`).
    pub participant_key: Option<Vec<u8>>,
    /// Most events in one batch request.
    pub batch_limit: usize,
    /// Smallest count a publication shows.
    pub suppress_k: i64,
    /// Free space, in bytes, below which the SQLite file's filesystem makes
    /// the service not ready.
    pub min_free_disk_bytes: u64,
    /// Address of the separate Prometheus listener; None serves no metrics.
    pub metrics_bind: Option<String>,
    /// Answer aggregates from the in-memory reach index (else always SQL).
    pub reach_index: bool,
    /// The service's origin as browsers see it (None: the request's own).
    pub public_origin: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Browser session idle timeout.
    pub session_idle: Duration,
    /// Browser session absolute lifetime.
    pub session_max: Duration,
    /// Admin accounts must enrol TOTP.
    pub require_admin_mfa: bool,
    /// The deployment's own area code.
    pub home_area: Option<String>,
    /// How reporting periods cut their months (fixed once a period is locked).
    pub period_rule: PeriodRule,
    /// Working days for the deadlines of requests from the people recorded
    /// (`PUBLIC_HOLIDAYS`).
    pub workdays: Workdays,
    /// Years participants' keys are kept in published periods
    /// (`PARTICIPANT_RETENTION_YEARS`; None: until erased).
    pub retention_years: Option<u32>,
    /// Single sign-on (None: passwords only).
    pub oidc: Option<OidcSettings>,
    /// The signed report's letterhead.
    pub letterhead: Letterhead,
}

/// The parts of the report (an administrative document, Decree
/// 30/2020/NĐ-CP) that only the deployment knows; each left as a blank for
/// the clerical office to fill when unset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Letterhead {
    /// The issuing body's lines, governing body first ("UBND TỈNH BẮC
    /// KẠN", "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI").
    pub issuer: Vec<String>,
    /// The symbol after the number ("BC-SLĐTBXH"); the number itself is
    /// the clerical office's.
    pub number_symbol: Option<String>,
    /// The place in the date line ("Bắc Kạn").
    pub place: Option<String>,
    /// Who the report is addressed to ("Kính gửi").
    pub addressee: Option<String>,
    /// The recipients listed under "Nơi nhận".
    pub recipients: Vec<String>,
    /// The signer's position, one line each ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC").
    pub signer: Vec<String>,
    /// The signer's name.
    pub signer_name: Option<String>,
}

/// The OpenID Connect provider for single sign-on.
#[derive(Clone)]
pub struct OidcSettings {
    /// Issuer URL.
    pub issuer: String,
    /// Client id.
    pub client_id: String,
    /// Client secret.
    pub client_secret: String,
    /// `email` (true) or `sub` names the account.
    pub claim_is_email: bool,
}

impl std::fmt::Debug for OidcSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("claim_is_email", &self.claim_is_email)
            .finish_non_exhaustive()
    }
}

/// Minimum length of an HMAC secret, in bytes.
pub const MIN_SECRET_LEN: usize = 32;

/// A list in one variable, its items trimmed, empty ones dropped.
fn split_list(v: Option<&str>, sep: char) -> Vec<String> {
    v.map(|v| {
        v.split(sep)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    })
    .unwrap_or_default()
}

impl Settings {
    /// Reads settings from the process environment.
    pub fn from_env() -> Result<Self, String> {
        let vars: BTreeMap<String, String> = std::env::vars().collect();
        Self::from_map(&vars)
    }

    /// Builds settings from a map of variables (the environment, or a test's own map).
    pub fn from_map(vars: &BTreeMap<String, String>) -> Result<Self, String> {
        let get = |k: &str| {
            debug_assert!(
                VARIABLES.iter().any(|v| v.name == k),
                "{k} is read but not listed in VARIABLES"
            );
            vars.get(k).map(|v| v.trim()).filter(|v| !v.is_empty())
        };
        let data_dir = PathBuf::from(get("DATA_DIR").unwrap_or("./data"));
        let database_url = match get("DATABASE_URL") {
            Some(u) => DatabaseUrl::parse(u)?,
            None => DatabaseUrl::Sqlite(data_dir.join("campaign-tracker.db")),
        };
        let sqlite_synchronous = match get("SQLITE_SYNCHRONOUS").map(str::to_ascii_uppercase) {
            None => SqliteSynchronous::Full,
            Some(v) if v == "FULL" => SqliteSynchronous::Full,
            Some(v) if v == "NORMAL" => SqliteSynchronous::Normal,
            Some(v) => {
                return Err(format!(
                    "SQLITE_SYNCHRONOUS must be FULL or NORMAL, not {v:?}"
                ));
            }
        };
        let jwt_keys = match get("JWT_KEYS") {
            None => Vec::new(),
            Some(raw) => parse_keys(raw)?,
        };
        let jwt_leeway_secs = parse_num(get("JWT_LEEWAY_SECS"), "JWT_LEEWAY_SECS", 5u64)?;
        if jwt_leeway_secs > 5 {
            return Err("JWT_LEEWAY_SECS must be at most 5".into());
        }
        let pool_size = parse_num(get("DB_POOL_SIZE"), "DB_POOL_SIZE", 8u32)?;
        if pool_size == 0 {
            return Err("DB_POOL_SIZE must be at least 1".into());
        }
        let load_areas = parse_bool(get("LOAD_AREAS"), "LOAD_AREAS", true)?;
        let public_origin = match get("PUBLIC_ORIGIN") {
            None => None,
            Some(raw) => match parse_origins(raw)?.as_slice() {
                [one] => Some(one.clone()),
                _ => {
                    return Err(
                        "PUBLIC_ORIGIN must be one origin, e.g. https://example.gov.vn".into(),
                    );
                }
            },
        };
        let trusted_proxies = get("TRUSTED_PROXIES")
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse()
                    .map_err(|_| format!("TRUSTED_PROXIES: {p:?} is not an IP address"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let session_idle_minutes =
            parse_num(get("SESSION_IDLE_MINUTES"), "SESSION_IDLE_MINUTES", 30u64)?;
        let session_max_hours = parse_num(get("SESSION_MAX_HOURS"), "SESSION_MAX_HOURS", 12u64)?;
        if session_idle_minutes == 0 || session_max_hours == 0 {
            return Err("SESSION_IDLE_MINUTES and SESSION_MAX_HOURS must be at least 1".into());
        }
        Ok(Self {
            bind_addr: get("BIND_ADDR").unwrap_or("127.0.0.1:8080").to_string(),
            data_dir,
            database_url,
            pool_size,
            db_timeout: Duration::from_millis(parse_num(
                get("DB_TIMEOUT_MS"),
                "DB_TIMEOUT_MS",
                5000u64,
            )?),
            statement_timeout: Duration::from_millis(parse_num(
                get("STATEMENT_TIMEOUT_MS"),
                "STATEMENT_TIMEOUT_MS",
                60_000u64,
            )?),
            shutdown_timeout: Duration::from_secs(parse_num(
                get("SHUTDOWN_TIMEOUT_SECS"),
                "SHUTDOWN_TIMEOUT_SECS",
                10u64,
            )?),
            cors_origins: match get("CORS_ORIGINS") {
                None => Vec::new(),
                Some(raw) => parse_origins(raw)?,
            },
            sqlite_synchronous,
            body_limit: parse_num(
                get("JSON_LIMIT_BYTES"),
                "JSON_LIMIT_BYTES",
                16 * 1024 * 1024,
            )?,
            jwt_keys,
            jwt_issuer: get("JWT_ISSUER").unwrap_or("campaign-tracker").to_string(),
            jwt_audience: get("JWT_AUDIENCE")
                .unwrap_or("campaign-tracker-api")
                .to_string(),
            jwt_leeway_secs,
            rate_limit_per_minute: parse_num(
                get("RATE_LIMIT_PER_MINUTE"),
                "RATE_LIMIT_PER_MINUTE",
                600u32,
            )?,
            heavy_at_once: parse_num(get("HEAVY_AT_ONCE"), "HEAVY_AT_ONCE", 4usize)?,
            heavy_per_token: parse_num(get("HEAVY_PER_TOKEN"), "HEAVY_PER_TOKEN", 2usize)?,
            token_requests_at_once: parse_num(
                get("TOKEN_REQUESTS_AT_ONCE"),
                "TOKEN_REQUESTS_AT_ONCE",
                4usize,
            )?,
            answer_cells_max: parse_num(get("ANSWER_CELLS_MAX"), "ANSWER_CELLS_MAX", 250_000usize)?,
            answer_cells_at_once: parse_num(
                get("ANSWER_CELLS_AT_ONCE"),
                "ANSWER_CELLS_AT_ONCE",
                500_000usize,
            )?,
            load_areas,
            participant_key: match get("PARTICIPANT_KEY") {
                None => None,
                Some(k) if k.split(',').any(|s| s.len() < MIN_SECRET_LEN) => {
                    return Err(format!(
                        "PARTICIPANT_KEY must be at least {MIN_SECRET_LEN} bytes (each secret of a chain, comma-separated)"
                    ));
                }
                Some(k) => Some(k.as_bytes().to_vec()),
            },
            batch_limit: parse_num(get("BATCH_LIMIT"), "BATCH_LIMIT", 1000usize)?,
            suppress_k: match parse_num(get("SUPPRESS_K"), "SUPPRESS_K", 5i64)? {
                k if k >= 2 => k,
                _ => return Err("SUPPRESS_K must be at least 2".into()),
            },
            min_free_disk_bytes: parse_num(get("MIN_FREE_DISK_MB"), "MIN_FREE_DISK_MB", 64u64)?
                .saturating_mul(1024 * 1024),
            metrics_bind: get("METRICS_BIND").map(str::to_string),
            reach_index: match get("AGGREGATES_ENGINE") {
                None | Some("index") => true,
                Some("sql") => false,
                Some(v) => {
                    return Err(format!("AGGREGATES_ENGINE must be index or sql, not {v:?}"));
                }
            },
            public_origin,
            trusted_proxies,
            session_idle: Duration::from_secs(session_idle_minutes * 60),
            session_max: Duration::from_secs(session_max_hours * 3600),
            require_admin_mfa: parse_bool(get("REQUIRE_ADMIN_MFA"), "REQUIRE_ADMIN_MFA", false)?,
            home_area: get("HOME_AREA").map(str::to_string),
            period_rule: match get("REPORTING_PERIODS") {
                None => PeriodRule::Calendar,
                Some(v) => PeriodRule::parse(v).ok_or_else(|| {
                    format!("REPORTING_PERIODS must be calendar or decree-09, not {v:?}")
                })?,
            },
            workdays: Workdays::parse(
                get("PUBLIC_HOLIDAYS").unwrap_or(crate::domain::workdays::DEFAULT_HOLIDAYS),
            )?,
            retention_years: match get("PARTICIPANT_RETENTION_YEARS") {
                None | Some("none") => None,
                Some(v) => match v.trim().parse::<u32>() {
                    Ok(n @ 1..=100) => Some(n),
                    _ => {
                        return Err(format!(
                            "PARTICIPANT_RETENTION_YEARS must be 1 to 100 years or none, not {v:?}"
                        ));
                    }
                },
            },
            letterhead: Letterhead {
                issuer: split_list(get("REPORT_ISSUER"), '/'),
                number_symbol: get("REPORT_NUMBER_SYMBOL").map(str::to_string),
                place: get("REPORT_PLACE").map(str::to_string),
                addressee: get("REPORT_ADDRESSEE").map(str::to_string),
                recipients: split_list(get("REPORT_RECIPIENTS"), ';'),
                signer: split_list(get("REPORT_SIGNER"), '/'),
                signer_name: get("REPORT_SIGNER_NAME").map(str::to_string),
            },
            oidc: match (
                get("OIDC_ISSUER"),
                get("OIDC_CLIENT_ID"),
                get("OIDC_CLIENT_SECRET"),
            ) {
                (None, _, _) => None,
                (Some(issuer), Some(id), Some(secret)) => {
                    url::Url::parse(issuer)
                        .map_err(|_| format!("OIDC_ISSUER is not a URL: {issuer:?}"))?;
                    Some(OidcSettings {
                        issuer: issuer.trim_end_matches('/').to_string(),
                        client_id: id.to_string(),
                        client_secret: secret.to_string(),
                        claim_is_email: match get("OIDC_ACCOUNT_CLAIM") {
                            None | Some("email") => true,
                            Some("sub") => false,
                            Some(v) => {
                                return Err(format!(
                                    "OIDC_ACCOUNT_CLAIM must be email or sub, not {v:?}"
                                ));
                            }
                        },
                    })
                }
                _ => return Err("OIDC_ISSUER needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET".into()),
            },
        })
    }
}

fn parse_bool(raw: Option<&str>, name: &str, default: bool) -> Result<bool, String> {
    match raw.map(str::to_ascii_lowercase).as_deref() {
        None => Ok(default),
        Some("true" | "1" | "yes") => Ok(true),
        Some("false" | "0" | "no") => Ok(false),
        Some(v) => Err(format!("{name} must be true or false, not {v:?}")),
    }
}

fn parse_num<T: std::str::FromStr>(raw: Option<&str>, name: &str, default: T) -> Result<T, String> {
    match raw {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| format!("{name} must be a non-negative integer, not {v:?}")),
    }
}

/// Parses `https://a.example,https://b.example`: scheme and host (and port), no path.
pub fn parse_origins(raw: &str) -> Result<Vec<String>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|o| match url::Url::parse(o) {
            Ok(u)
                if matches!(u.scheme(), "http" | "https")
                    && u.host().is_some()
                    && u.path() == "/"
                    && !o.ends_with('/') =>
            {
                Ok(o.to_string())
            }
            _ => Err(format!(
                "CORS_ORIGINS: {o:?} is not an origin like https://dashboard.example.org"
            )),
        })
        .collect()
}

/// Parses `kid:secret,kid:secret`. Every secret must have at least [`MIN_SECRET_LEN`] bytes.
pub fn parse_keys(raw: &str) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut keys: Vec<(String, Vec<u8>)> = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (kid, secret) = part
            .split_once(':')
            .ok_or_else(|| "JWT_KEYS entries must look like kid:secret".to_string())?;
        let kid = kid.trim();
        if kid.is_empty()
            || !kid
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err("JWT_KEYS: a kid must be non-empty letters, digits, - or _".into());
        }
        if secret.len() < MIN_SECRET_LEN {
            return Err(format!(
                "JWT_KEYS: the secret for kid {kid:?} is shorter than {MIN_SECRET_LEN} bytes"
            ));
        }
        if keys.iter().any(|(k, _)| k == kid) {
            return Err(format!("JWT_KEYS: kid {kid:?} appears twice"));
        }
        keys.push((kid.to_string(), secret.as_bytes().to_vec()));
    }
    if keys.is_empty() {
        return Err("JWT_KEYS is set but holds no key".into());
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_use_embedded_sqlite_in_data_dir() {
        let s = Settings::from_map(&map(&[])).unwrap();
        assert_eq!(s.bind_addr, "127.0.0.1:8080");
        assert_eq!(
            s.database_url,
            DatabaseUrl::Sqlite(PathBuf::from("./data/campaign-tracker.db"))
        );
        assert_eq!(s.sqlite_synchronous, SqliteSynchronous::Full);
        assert_eq!(s.jwt_leeway_secs, 5);
    }

    #[test]
    fn database_url_schemes() {
        assert_eq!(
            DatabaseUrl::parse("postgres://u@h/db").unwrap().kind(),
            BackendKind::Postgres
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/x.db").unwrap(),
            DatabaseUrl::Sqlite(PathBuf::from("/tmp/x.db"))
        );
        assert!(DatabaseUrl::parse("mysql://x").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn redacts_postgres_password() {
        let u = DatabaseUrl::parse("postgres://me:hunter2@db:5432/x").unwrap();
        assert!(!u.redacted().contains("hunter2"));
    }

    #[test]
    fn short_secret_is_refused() {
        let err = Settings::from_map(&map(&[("JWT_KEYS", "k1:short")])).unwrap_err();
        assert!(err.contains("shorter than 32"), "{err}");
        let ok = Settings::from_map(&map(&[(
            "JWT_KEYS",
            "k2:0123456789abcdef0123456789abcdef,k1:fedcba9876543210fedcba9876543210",
        )]))
        .unwrap();
        assert_eq!(ok.jwt_keys.len(), 2);
        assert_eq!(ok.jwt_keys[0].0, "k2");
    }

    #[test]
    fn bad_values_explain_themselves() {
        for (k, v) in [
            ("JWT_LEEWAY_SECS", "60"),
            ("DB_POOL_SIZE", "x"),
            ("SQLITE_SYNCHRONOUS", "OFF"),
            ("LOAD_AREAS", "maybe"),
            ("DB_POOL_SIZE", "0"),
        ] {
            let err = Settings::from_map(&map(&[(k, v)])).unwrap_err();
            assert!(err.contains(k), "{k}={v}: {err}");
        }
    }
}
