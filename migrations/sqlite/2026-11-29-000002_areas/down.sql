DROP INDEX area_successors_new;
DROP TABLE area_successors;
DROP INDEX areas_level_name;
DROP INDEX areas_parent;
DROP INDEX areas_code;
DROP TABLE areas;
