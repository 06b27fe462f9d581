-- Sessions, tallies and audiences (issue 31). A record may cover several
-- sessions; its attendance may carry the distinct people the agency
-- counted itself; a mass-media record states an estimated audience,
-- never an attendance.
ALTER TABLE events ADD COLUMN sessions BIGINT NOT NULL DEFAULT 1 CHECK (sessions >= 1);
ALTER TABLE events ADD COLUMN declared_people BIGINT CHECK (declared_people >= 0);
ALTER TABLE events ADD COLUMN audience_estimate BIGINT CHECK (audience_estimate >= 0);
ALTER TABLE events ADD COLUMN audience_basis TEXT;
-- The migration's log: every stored broadcast whose total moves to its
-- audience, with what it held before; and every broadcast that holds
-- identified participants (kept, not counted, for an admin to correct).
INSERT INTO audit_log (at, actor_jti, actor_role, actor_agency, action, entity_type, entity_id, before_json, after_json)
SELECT strftime('%Y-%m-%d %H:%M:%f', 'now'), NULL, 'migration', agency_code, 'migrate_broadcast', 'event', id,
       json_object('attendance', json_object('total', attendance_total, 'female', attendance_female,
                   'male', attendance_male, 'under_18', attendance_under_18),
                   'participants_identified', participants_identified),
       json_object('audience', json_object('estimate', attendance_total, 'basis', 'estimate'),
                   'participants_kept_not_counted', participants_identified)
FROM events WHERE kind = 'media_broadcast';
UPDATE events SET audience_estimate = attendance_total, audience_basis = 'estimate',
    attendance_total = 0, attendance_female = NULL, attendance_male = NULL,
    attendance_under_18 = NULL, version = version + 1
WHERE kind = 'media_broadcast';
