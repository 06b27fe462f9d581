DROP TRIGGER agencies_reach ON agencies;
DROP TRIGGER areas_reach ON areas;
DROP FUNCTION reach_agencies_changed();
DROP FUNCTION reach_areas_changed();
DROP TRIGGER event_co_organizers_reach ON event_co_organizers;
DROP TRIGGER events_reach ON events;
DROP FUNCTION reach_claim_changed();
DROP FUNCTION reach_event_changed();
DROP TABLE reach_changes;
