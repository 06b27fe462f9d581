DROP TABLE reporting_rule;
