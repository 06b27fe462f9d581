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
    }
}

diesel::joinable!(api_tokens -> agencies (agency_code));
diesel::allow_tables_to_appear_in_same_query!(agencies, api_tokens, audit_log);
