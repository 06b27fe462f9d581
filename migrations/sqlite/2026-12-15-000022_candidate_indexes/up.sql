-- Duplicate candidates look for other reports in the same unit, the units
-- above it (its district, its commune) and the units below it, within 30
-- days of its start (issue 29): at national size the date window alone
-- reached about 56,000 reports per report and a page took 22 s.
CREATE INDEX events_area_start ON events (area_id, start_date);
CREATE INDEX areas_district ON areas (district_id);
CREATE INDEX areas_commune ON areas (commune_id);
