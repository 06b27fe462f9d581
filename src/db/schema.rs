//! Table definitions, written by hand to match both migration folders.
//! Booleans are stored as `INTEGER` 0/1 because diesel's `MultiBackend`
//! supports only the SQL types common to both backends.

diesel::table! {
    /// Partner agencies.
    agencies (code) {
        /// Slug, e.g. `police`.
        code -> Text,
        /// Vietnamese name.
        name -> Text,
        /// English name.
        name_en -> Text,
        /// 1 when the agency may write.
        active -> Integer,
        /// Creation time (UTC).
        created_at -> Timestamp,
        /// Last change (UTC).
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Issued tokens, by `jti`.
    api_tokens (jti) {
        /// Token id.
        jti -> Text,
        /// `admin`, `agency` or `viewer`.
        role -> Text,
        /// Agency of an agency token.
        agency_code -> Nullable<Text>,
        /// Free text naming the holder.
        label -> Text,
        /// Key id that signed it.
        kid -> Text,
        /// Issue time (UTC).
        issued_at -> Timestamp,
        /// Expiry (UTC).
        expires_at -> Timestamp,
        /// Revocation time (UTC).
        revoked_at -> Nullable<Timestamp>,
        /// 1 for a public viewer token: it reads publications only.
        public -> Integer,
        /// The area a scoped token's answers cover.
        area_code -> Nullable<Text>,
    }
}

diesel::table! {
    /// Append-only audit trail.
    audit_log (id) {
        /// Monotonic id, the pagination cursor.
        id -> BigInt,
        /// Time of the change (UTC).
        at -> Timestamp,
        /// Acting token's jti (None for the CLI).
        actor_jti -> Nullable<Text>,
        /// Acting role (`cli` for the command line).
        actor_role -> Text,
        /// Acting agency.
        actor_agency -> Nullable<Text>,
        /// What happened, e.g. `create`.
        action -> Text,
        /// Entity type, e.g. `agency`.
        entity_type -> Text,
        /// Entity id.
        entity_id -> Text,
        /// JSON of the entity before.
        before_json -> Nullable<Text>,
        /// JSON of the entity after.
        after_json -> Nullable<Text>,
        /// Acting person's account id (a signed-in person).
        actor_account -> Nullable<Text>,
        /// Acting person's username.
        actor_username -> Nullable<Text>,
    }
}

diesel::table! {
    /// Administrative units, versioned by validity period.
    areas (id) {
        /// Surrogate id (a code can be reused across periods).
        id -> BigInt,
        /// Official statistics-office code, zero-padded.
        code -> Text,
        /// Official name.
        name -> Text,
        /// Name folded for search (lower case, no accents, đ -> d).
        name_folded -> Text,
        /// `province`, `district`, `commune` or `village`.
        level -> Text,
        /// Parent unit.
        parent_id -> Nullable<BigInt>,
        /// Province ancestor (self for a province).
        province_id -> Nullable<BigInt>,
        /// District ancestor (self for a district; none after the 2025 reform).
        district_id -> Nullable<BigInt>,
        /// Commune ancestor (self for a commune).
        commune_id -> Nullable<BigInt>,
        /// Current unit this one maps to through default successors.
        current_id -> Nullable<BigInt>,
        /// First valid day.
        valid_from -> Nullable<Date>,
        /// Last valid day.
        valid_until -> Nullable<Date>,
        /// Created (UTC).
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Which units replaced a retired unit.
    area_successors (old_id, new_id) {
        /// Retired unit.
        old_id -> BigInt,
        /// Successor.
        new_id -> BigInt,
        /// 1 for the successor that took most of a divided unit.
        is_default -> Integer,
    }
}

diesel::joinable!(api_tokens -> agencies (agency_code));
diesel::allow_tables_to_appear_in_same_query!(
    agencies,
    api_tokens,
    audit_log,
    areas,
    area_successors
);

diesel::table! {
    /// Outreach events.
    events (seq) {
        /// Join key.
        seq -> BigInt,
        /// Public id (UUID).
        id -> Text,
        /// Reporting agency.
        agency_code -> Text,
        /// The agency's own id (idempotency key).
        external_id -> Text,
        /// Kind.
        kind -> Text,
        /// Title.
        title -> Text,
        /// Description.
        description -> Nullable<Text>,
        /// First day.
        start_date -> Date,
        /// Last day.
        end_date -> Date,
        /// Unit valid on start_date.
        area_id -> BigInt,
        /// People present.
        attendance_total -> BigInt,
        /// Women present.
        attendance_female -> Nullable<BigInt>,
        /// Men present.
        attendance_male -> Nullable<BigInt>,
        /// Under-18s present.
        attendance_under_18 -> Nullable<BigInt>,
        /// Distinct identified participants.
        participants_identified -> BigInt,
        /// Hash of the canonical content.
        content_hash -> Text,
        /// Real-event group (linked duplicates share it).
        group_seq -> BigInt,
        /// Incremented on every change.
        version -> BigInt,
        /// Created (UTC).
        created_at -> Timestamp,
        /// Updated (UTC).
        updated_at -> Timestamp,
        /// Soft-deleted (UTC).
        deleted_at -> Nullable<Timestamp>,
        /// Why it was deleted.
        delete_reason -> Nullable<Text>,
        /// Sessions the record covers (>= 1).
        sessions -> BigInt,
        /// Distinct people the agency counted itself.
        declared_people -> Nullable<BigInt>,
        /// A mass-media record's estimated audience.
        audience_estimate -> Nullable<BigInt>,
        /// How the audience was estimated.
        audience_basis -> Nullable<Text>,
        /// The legal basis of its identifiers (NULL: not stated).
        legal_basis -> Nullable<Text>,
        /// The law providing for collecting them.
        legal_reference -> Nullable<Text>,
        /// Who consented (with `consent`).
        consent_by -> Nullable<Text>,
        /// Whether student ids (children's data) were sent.
        holds_children -> Bool,
    }
}

diesel::table! {
    /// Topics of an event.
    event_topics (event_seq, topic) {
        /// Event.
        event_seq -> BigInt,
        /// Topic.
        topic -> Text,
    }
}

diesel::table! {
    /// Target groups of an event.
    event_target_groups (event_seq, target_group) {
        /// Event.
        event_seq -> BigInt,
        /// Target group.
        target_group -> Text,
    }
}

diesel::table! {
    /// Co-organising agencies of an event.
    event_co_organizers (event_seq, agency_code) {
        /// Event.
        event_seq -> BigInt,
        /// Agency.
        agency_code -> Text,
        /// The named agency's answer: `pending`, `confirmed` or `declined`.
        status -> Text,
        /// When it answered (UTC).
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Pseudonymous participants (keyed hashes only).
    participants (id) {
        /// Join key.
        id -> BigInt,
        /// Hex HMAC-SHA256 of the normalised identifier.
        key -> Text,
    }
}

diesel::table! {
    /// Who was identified at which event.
    event_participants (event_seq, participant_id) {
        /// Event.
        event_seq -> BigInt,
        /// Participant.
        participant_id -> BigInt,
    }
}

diesel::table! {
    /// Same-real-event links (a_seq < b_seq).
    event_links (a_seq, b_seq) {
        /// Lower event seq.
        a_seq -> BigInt,
        /// Higher event seq.
        b_seq -> BigInt,
        /// Linked (UTC).
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Proposed same-as links waiting for the other agencies' approval.
    link_proposals (id) {
        /// Public id (UUID).
        id -> Text,
        /// Lower event seq.
        a_seq -> BigInt,
        /// Higher event seq.
        b_seq -> BigInt,
        /// The proposer's own report (a_seq or b_seq).
        from_seq -> BigInt,
        /// Proposing agency.
        proposed_by -> Text,
        /// Proposed (UTC).
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Agencies that approved a link proposal.
    link_approvals (proposal_id, agency_code) {
        /// Proposal.
        proposal_id -> Text,
        /// Approving agency.
        agency_code -> Text,
        /// Approved (UTC).
        approved_at -> Timestamp,
        /// The proposal's revision approved: the approval counts only
        /// while the proposal is at it.
        revision -> BigInt,
    }
}

diesel::joinable!(link_approvals -> link_proposals (proposal_id));
diesel::joinable!(events -> agencies (agency_code));
diesel::joinable!(events -> areas (area_id));
diesel::joinable!(event_topics -> events (event_seq));
diesel::joinable!(event_target_groups -> events (event_seq));
diesel::joinable!(event_co_organizers -> events (event_seq));
diesel::joinable!(event_participants -> events (event_seq));
diesel::joinable!(event_participants -> participants (participant_id));
diesel::allow_tables_to_appear_in_same_query!(
    events,
    event_topics,
    event_target_groups,
    event_co_organizers,
    event_participants,
    participants,
    event_links,
    link_proposals,
    link_approvals
);
diesel::allow_tables_to_appear_in_same_query!(events, agencies);
diesel::allow_tables_to_appear_in_same_query!(events, areas);
diesel::allow_tables_to_appear_in_same_query!(event_co_organizers, agencies);

diesel::table! {
    /// The change log the reach index follows (see `db::reach`).
    reach_changes (seq) {
        /// Sequence number.
        seq -> BigInt,
        /// Writing transaction (PostgreSQL; 0 on SQLite).
        txid -> BigInt,
        /// `event`, `areas` or `agencies`.
        scope -> Text,
        /// The report, for `event`.
        event_seq -> Nullable<BigInt>,
        /// When it was written (UTC).
        at -> Timestamp,
    }
}

diesel::table! {
    /// Locked periods: an active lock (not reopened) refuses every write
    /// that would change a report starting in `[starts_on, ends_on]`.
    period_locks (id) {
        /// Lock id.
        id -> BigInt,
        /// The period as written: `2025`, `2025-Q3` or `2025-07`.
        period -> Text,
        /// First day of the period.
        starts_on -> Date,
        /// Last day of the period.
        ends_on -> Date,
        /// Why it was locked.
        reason -> Text,
        /// When it was locked (UTC).
        locked_at -> Timestamp,
        /// Who locked it: the token id, or `cli`.
        locked_by -> Text,
        /// When it was reopened (UTC); null while locked.
        reopened_at -> Nullable<Timestamp>,
        /// Who reopened it.
        reopened_by -> Nullable<Text>,
        /// Why it was reopened.
        reopen_reason -> Nullable<Text>,
    }
}

diesel::table! {
    /// Publications: one row per version of a period's published tables.
    publications (period, version) {
        /// The period: `2025`, `2025-Q3` or `2025-07`.
        period -> Text,
        /// 1, 2, ...: publishing the period again adds a version.
        version -> BigInt,
        /// Title.
        title -> Text,
        /// When (UTC).
        published_at -> Timestamp,
        /// Who: the admin token's id, or `cli`.
        published_by -> Text,
        /// SHA-256 (hex) of `content`.
        sha256 -> Text,
        /// The canonical JSON of the publication, served as is.
        content -> Text,
    }
}

diesel::table! {
    /// People's accounts (issue 30).
    accounts (id) {
        /// UUID.
        id -> Text,
        /// As the person or admin wrote it.
        username -> Text,
        /// Lower case, unique.
        username_key -> Text,
        /// Name shown.
        display_name -> Text,
        /// E-mail (also the single sign-on match when so configured).
        email -> Nullable<Text>,
        /// `admin`, `agency` or `viewer`.
        role -> Text,
        /// Agency of an agency account.
        agency_code -> Nullable<Text>,
        /// The area a scoped account's answers cover.
        area_code -> Nullable<Text>,
        /// Argon2id PHC string; null for single-sign-on-only accounts.
        password_hash -> Nullable<Text>,
        /// 1 after an admin reset: the next sign-in must change it.
        must_change_password -> Integer,
        /// When disabled; null while enabled.
        disabled_at -> Nullable<Timestamp>,
        /// TOTP secret (base32) once enrolled.
        totp_secret -> Nullable<Text>,
        /// TOTP secret being enrolled, until a first code confirms it.
        totp_pending -> Nullable<Text>,
        /// Last accepted TOTP time step (a code is accepted once).
        totp_last_step -> Nullable<BigInt>,
        /// JSON array of SHA-256 (hex) of unused recovery codes.
        recovery_codes -> Nullable<Text>,
        /// Creation (UTC).
        created_at -> Timestamp,
        /// Last change (UTC).
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Browser sessions, by the SHA-256 of the cookie value.
    sessions (id_hash) {
        /// SHA-256 (hex) of the session id.
        id_hash -> Text,
        /// The account.
        account_id -> Text,
        /// `password` or `sso`.
        method -> Text,
        /// Sign-in (UTC).
        created_at -> Timestamp,
        /// Last request (UTC): the idle timeout counts from here.
        last_seen_at -> Timestamp,
        /// Absolute end (UTC).
        expires_at -> Timestamp,
    }
}

diesel::joinable!(sessions -> accounts (account_id));
diesel::joinable!(accounts -> agencies (agency_code));
diesel::allow_tables_to_appear_in_same_query!(sessions, accounts, agencies);

diesel::table! {
    /// Single sign-on flows in progress, by the SHA-256 of their state.
    sso_flows (state_hash) {
        /// SHA-256 (hex) of the state.
        state_hash -> Text,
        /// SHA-256 (hex) of the browser's `ct_sso` cookie.
        browser_hash -> Text,
        /// Nonce the ID token must carry.
        nonce -> Text,
        /// PKCE verifier.
        pkce_verifier -> Text,
        /// Redirect URI sent.
        redirect_uri -> Text,
        /// Started (UTC).
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Imports of workbooks and CSV files.
    imports (id) {
        /// Public id (UUID).
        id -> Text,
        /// The importing agency.
        agency_code -> Text,
        /// Who imported (username or token label).
        actor -> Text,
        /// 1: nothing is written.
        dry_run -> Integer,
        /// `running`, `done` or `failed`.
        status -> Text,
        /// Rows of the file.
        rows_total -> BigInt,
        /// Rows answered so far.
        rows_done -> BigInt,
        /// Every row's answer (JSON), once done; the failure otherwise.
        result_json -> Nullable<Text>,
        /// Started (UTC).
        created_at -> Timestamp,
        /// Last progress (UTC).
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Requests from the people recorded (access, erasure): deadlines and
    /// counts, never an identifier.
    privacy_requests (seq) {
        /// Order of arrival (the list's cursor).
        seq -> BigInt,
        /// Public id (UUID).
        id -> Text,
        /// `access` or `erasure`.
        kind -> Text,
        /// `open` or `done`.
        status -> Text,
        /// Received (UTC).
        received_at -> Timestamp,
        /// Who registered it (username, token id or `cli`).
        received_by -> Text,
        /// Last day to acknowledge it.
        acknowledge_by -> Date,
        /// Last day to complete it (extended once at most).
        due_date -> Date,
        /// When the deadline was extended (UTC).
        extended_at -> Nullable<Timestamp>,
        /// Why.
        extension_reason -> Nullable<Text>,
        /// When it was completed (UTC).
        completed_at -> Nullable<Timestamp>,
        /// Identifiers the person gave (their number only).
        identifiers -> BigInt,
        /// Reports found holding the person.
        events_found -> BigInt,
        /// Participant links removed (erasure).
        links_removed -> BigInt,
        /// Free text about the request (no identifier).
        note -> Nullable<Text>,
    }
}

diesel::table! {
    /// The breach log: each personal-data breach, its 72-hour deadline to
    /// notify, and the notification (no personal data).
    privacy_breaches (seq) {
        /// Order of recording (the list's cursor).
        seq -> BigInt,
        /// Public id (UUID).
        id -> Text,
        /// When the operator became aware of it (UTC).
        detected_at -> Timestamp,
        /// When it was recorded here (UTC).
        recorded_at -> Timestamp,
        /// Who recorded it.
        recorded_by -> Text,
        /// What happened.
        description -> Text,
        /// Categories of data concerned, comma-separated.
        data_categories -> Text,
        /// About how many people.
        subjects_estimate -> Nullable<BigInt>,
        /// Measures taken.
        measures -> Nullable<Text>,
        /// Last moment to notify the authority: detected + 72 hours (UTC).
        notify_by -> Timestamp,
        /// When the authority was notified (UTC).
        notified_at -> Nullable<Timestamp>,
        /// To whom.
        notified_to -> Nullable<Text>,
        /// The notification's reference.
        notification_ref -> Nullable<Text>,
        /// Why it was late, when it was.
        late_reason -> Nullable<Text>,
    }
}

diesel::table! {
    /// Keyed hashes of erased identifiers: later writes drop them.
    erased_participants (key) {
        /// Hex HMAC-SHA256 of the normalised identifier.
        key -> Text,
        /// Erased (UTC).
        erased_at -> Timestamp,
        /// The erasure request.
        request_id -> Text,
    }
}

diesel::table! {
    /// The keys of an open request, until it is carried out.
    privacy_request_keys (request_id, key) {
        /// The request.
        request_id -> Text,
        /// Hex HMAC-SHA256 of the normalised identifier.
        key -> Text,
    }
}

diesel::table! {
    /// The participant key's epoch and a rotation's progress (one row).
    participant_key_epoch (id) {
        /// Always 1.
        id -> Integer,
        /// Keys are made with the first `epoch + 1` secrets of the chain.
        epoch -> Integer,
        /// The chain's key ids, comma-separated (never a secret).
        kids -> Text,
        /// The epoch a rotation under way goes to.
        rotating_to -> Nullable<Integer>,
        /// The last participant id re-keyed.
        participants_after -> BigInt,
        /// Whether the erased list and open requests' keys are re-keyed.
        lists_done -> Bool,
        /// The last event seq whose content hash is recomputed.
        events_after -> BigInt,
        /// Keys re-keyed by the rotation.
        rekeyed -> BigInt,
        /// Content hashes the rotation changed.
        rehashed -> BigInt,
        /// When the last rotation started (UTC).
        started_at -> Nullable<Timestamp>,
        /// When it finished (UTC).
        finished_at -> Nullable<Timestamp>,
    }
}
