-- The rule reporting periods are cut by (issue 33): `calendar`, or
-- `decree-09` (Decree 09/2019/NĐ-CP: the 15th of the month before to the
-- 14th). One row. Deployments before this migration used calendar months.
-- The service refuses to start with another rule while a period is locked
-- or published (their days were cut by this one).
CREATE TABLE reporting_rule (
    id   INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    rule TEXT NOT NULL CHECK (rule IN ('calendar', 'decree-09'))
);
INSERT INTO reporting_rule (id, rule) VALUES (1, 'calendar');
