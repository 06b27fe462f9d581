DROP TABLE sso_flows;
