DROP INDEX areas_commune;
DROP INDEX areas_district;
DROP INDEX events_area_start;
