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
diesel::allow_tables_to_appear_in_same_query!(agencies, api_tokens, audit_log, areas, area_successors);
