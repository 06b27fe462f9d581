//! Every environment variable, with its default and meaning: the one
//! table behind `Settings::from_map`, `--help` and the README.

/// One environment variable.
#[derive(Debug)]
pub struct Variable {
    /// Its name.
    pub name: &'static str,
    /// Its default, as the README states it.
    pub default: &'static str,
    /// What it means (Markdown).
    pub meaning: &'static str,
}

/// Every environment variable the service and the CLI read: the one list
/// behind [`Settings::from_map`] (which reads no other), `--help` and the
/// README's configuration table (a test compares them).
pub const VARIABLES: &[Variable] = &[
    Variable {
        name: "BIND_ADDR",
        default: "`127.0.0.1:8080`",
        meaning: "address the HTTP server listens on",
    },
    Variable {
        name: "DATA_DIR",
        default: "`./data`",
        meaning: "directory for the embedded SQLite file and generated key files",
    },
    Variable {
        name: "DATABASE_URL",
        default: "`sqlite://$DATA_DIR/campaign-tracker.db`",
        meaning: "`sqlite://PATH` or `postgres://user:pass@host:port/db`",
    },
    Variable {
        name: "DB_POOL_SIZE",
        default: "`8`",
        meaning: "connections in the pool",
    },
    Variable {
        name: "DB_TIMEOUT_MS",
        default: "`5000`",
        meaning: "wait for a pooled connection (and SQLite `busy_timeout`) before answering 503",
    },
    Variable {
        name: "SHUTDOWN_TIMEOUT_SECS",
        default: "`10`",
        meaning: "on SIGTERM or SIGINT: stop accepting, finish in-flight requests for up to this long, abandon an index build, exit",
    },
    Variable {
        name: "SQLITE_SYNCHRONOUS",
        default: "`FULL`",
        meaning: "`FULL`: an acknowledged write survives power loss; `NORMAL`: faster",
    },
    Variable {
        name: "JSON_LIMIT_BYTES",
        default: "`16777216`",
        meaning: "largest request body (413 above it)",
    },
    Variable {
        name: "JWT_KEYS",
        default: "generated",
        meaning: "`kid1:secret1,kid2:secret2`; the first signs, all verify (rotation). Secrets of 32+ bytes, or the service refuses to start",
    },
    Variable {
        name: "JWT_ISSUER",
        default: "`campaign-tracker`",
        meaning: "`iss` claim issued and required",
    },
    Variable {
        name: "JWT_AUDIENCE",
        default: "`campaign-tracker-api`",
        meaning: "`aud` claim issued and required",
    },
    Variable {
        name: "JWT_LEEWAY_SECS",
        default: "`5`",
        meaning: "clock-skew leeway for `exp`/`nbf` (at most 5)",
    },
    Variable {
        name: "HEAVY_AT_ONCE",
        default: "`4`",
        meaning: "aggregate and reach answers computed at once; others wait up to 5 s, then 503 with `Retry-After`",
    },
    Variable {
        name: "HEAVY_PER_TOKEN",
        default: "`2`",
        meaning: "aggregate and reach answers one token may have computed at once (its others wait like any); with 4 times this many running or waiting, 429 with `Retry-After`",
    },
    Variable {
        name: "TOKEN_REQUESTS_AT_ONCE",
        default: "`4`",
        meaning: "requests one token or signed-in person may have handled at once (half the default pool: one caller never holds more than its share of the database); others wait up to 5 s, then 503 with `Retry-After`; with 4 times this many running or waiting, 429",
    },
    Variable {
        name: "ANSWER_CELLS_MAX",
        default: "`250000`",
        meaning: "largest aggregate answer (rows x columns, e.g. 12,500 rows of 20 columns); a larger one is a 422 saying how to narrow it",
    },
    Variable {
        name: "ANSWER_CELLS_AT_ONCE",
        default: "`500000`",
        meaning: "cells of aggregate answers being written at once, from when they are computed until the client has read them (the cap on answer bytes in memory: two of the largest answers, or many small ones); others wait up to 5 s, then 503 with `Retry-After`",
    },
    Variable {
        name: "RATE_LIMIT_PER_MINUTE",
        default: "`600`",
        meaning: "requests per token per minute, 429 with `Retry-After` above (0 disables)",
    },
    Variable {
        name: "STATEMENT_TIMEOUT_MS",
        default: "`60000`",
        meaning: "PostgreSQL `statement_timeout` for request connections (a longer query is cancelled: 503)",
    },
    Variable {
        name: "CORS_ORIGINS",
        default: "none",
        meaning: "comma-separated browser origins allowed to call the API (dashboards served elsewhere)",
    },
    Variable {
        name: "PARTICIPANT_KEY",
        default: "generated",
        meaning: "secret (32+ bytes) keying participant hashes, or its chain after rotations (secrets separated by commas, oldest first); generated into `$DATA_DIR/participant.key` when absent",
    },
    Variable {
        name: "BATCH_LIMIT",
        default: "`1000`",
        meaning: "most events in one batch request",
    },
    Variable {
        name: "SUPPRESS_K",
        default: "`5`",
        meaning: "publications withhold counts from 1 to k-1, and other cells so that none can be worked out",
    },
    Variable {
        name: "LOAD_AREAS",
        default: "`true`",
        meaning: "load the shipped administrative units into a new database",
    },
    Variable {
        name: "MIN_FREE_DISK_MB",
        default: "`64`",
        meaning: "`/readyz` answers 503 when the SQLite file's filesystem has less free space (or is read-only)",
    },
    Variable {
        name: "AGGREGATES_ENGINE",
        default: "`index`",
        meaning: "`index`: aggregates are answered from the in-memory reach index (the SQL path answers while it is built at start); `sql`: always from the database",
    },
    Variable {
        name: "METRICS_BIND",
        default: "off",
        meaning: "address of a separate listener serving Prometheus `GET /metrics` (e.g. `127.0.0.1:9464`); unset, metrics are served nowhere",
    },
    Variable {
        name: "PUBLIC_ORIGIN",
        default: "the request's own",
        meaning: "the service's origin as browsers see it, e.g. `https://pctmbn.example.gov.vn` behind a TLS proxy: session cookies are `Secure` unless it is plain HTTP on loopback, and cookie-authenticated writes must come from it (`Origin`)",
    },
    Variable {
        name: "TRUSTED_PROXIES",
        default: "none",
        meaning: "comma-separated addresses of reverse proxies whose `X-Forwarded-For` names the client (for slowing down failed sign-ins per address); others' is ignored",
    },
    Variable {
        name: "SESSION_IDLE_MINUTES",
        default: "`30`",
        meaning: "a browser session ends after this long without a request",
    },
    Variable {
        name: "SESSION_MAX_HOURS",
        default: "`12`",
        meaning: "a browser session ends this long after sign-in, however active",
    },
    Variable {
        name: "REQUIRE_ADMIN_MFA",
        default: "`false`",
        meaning: "`true`: admin accounts must enrol a second factor (TOTP) before doing anything else",
    },
    Variable {
        name: "HOME_AREA",
        default: "none",
        meaning: "the deployment's own area (e.g. a province code): the default scope of the dashboard's pickers and of reports",
    },
    Variable {
        name: "REPORTING_PERIODS",
        default: "`calendar`",
        meaning: "`calendar`: months from the 1st; `decree-09`: the reporting cut-off of Decree 09/2019/NĐ-CP, a month from the 15th of the month before to the 14th (quarter III: 15/6-14/9), for pickers, `group_by=period:*`, locks, publications and reports. Fixed once a period is locked: the service refuses to start with another rule while one is",
    },
    Variable {
        name: "PUBLIC_HOLIDAYS",
        default: "Vietnam's 2026-2027 days off",
        meaning: "days off besides weekends, `YYYY-MM-DD` separated by commas (or `none`), for the deadlines of requests from the people recorded (PRIVACY.md): Tết and the Hùng Kings' day follow the lunar calendar, so set the days the government announces each year",
    },
    Variable {
        name: "PARTICIPANT_RETENTION_YEARS",
        default: "none",
        meaning: "how long participants' keys are kept: once a day (and by `POST /api/v1/privacy/retention`), events that ended more than this many years ago, in a period that is published, lose their keys and count as unidentified attendance (PRIVACY.md); none: kept until erased",
    },
    Variable {
        name: "REPORT_ISSUER",
        default: "blank",
        meaning: "the report's issuing body, lines separated by `/`, governing body first (`UBND TỈNH BẮC KẠN/SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI`)",
    },
    Variable {
        name: "REPORT_NUMBER_SYMBOL",
        default: "`BC`",
        meaning: "the symbol after the report's number (`BC-SLĐTBXH`); the number is left blank for the clerical office",
    },
    Variable {
        name: "REPORT_PLACE",
        default: "blank",
        meaning: "the place in the report's date line (`Bắc Kạn`)",
    },
    Variable {
        name: "REPORT_ADDRESSEE",
        default: "none",
        meaning: "who the report is addressed to, after \"Kính gửi\" (`Ủy ban nhân dân tỉnh Bắc Kạn`)",
    },
    Variable {
        name: "REPORT_RECIPIENTS",
        default: "`Như trên;Lưu: VT`",
        meaning: "the report's \"Nơi nhận\", separated by `;`",
    },
    Variable {
        name: "REPORT_SIGNER",
        default: "blank",
        meaning: "the signer's position, lines separated by `/` (`KT. GIÁM ĐỐC/PHÓ GIÁM ĐỐC`)",
    },
    Variable {
        name: "REPORT_SIGNER_NAME",
        default: "blank",
        meaning: "the signer's full name, under the space for signature and seal",
    },
    Variable {
        name: "OIDC_ISSUER",
        default: "off",
        meaning: "issuer URL of the province's OpenID Connect provider (single sign-on); unset, people sign in with passwords only",
    },
    Variable {
        name: "OIDC_CLIENT_ID",
        default: "none",
        meaning: "this service's client id at the provider (needed with `OIDC_ISSUER`)",
    },
    Variable {
        name: "OIDC_CLIENT_SECRET",
        default: "none",
        meaning: "its client secret (needed with `OIDC_ISSUER`); register `<origin>/api/v1/session/sso/callback` as its redirect URI",
    },
    Variable {
        name: "OIDC_ACCOUNT_CLAIM",
        default: "`email`",
        meaning: "`email`: the ID token's verified e-mail names the account (by its e-mail); `sub`: its subject is the account's username",
    },
    Variable {
        name: "RUST_LOG",
        default: "`info`",
        meaning: "log filter",
    },
];

/// [`VARIABLES`] as the README's Markdown table.
pub fn markdown_table() -> String {
    let mut out = String::from("| variable | default | meaning |\n|---|---|---|\n");
    for v in VARIABLES {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            v.name, v.default, v.meaning
        ));
    }
    out
}

/// [`VARIABLES`] as plain text for `--help`.
pub fn help_text() -> String {
    let mut out =
        String::from("Environment variables (read once at start; the CLI reads the same ones):\n");
    for v in VARIABLES {
        let plain = v.meaning.replace('`', "");
        let default = v.default.replace('`', "");
        out.push_str(&format!(
            "  {:<22} {} [default: {}]\n",
            v.name, plain, default
        ));
    }
    out
}
