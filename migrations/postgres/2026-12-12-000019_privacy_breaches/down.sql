DROP TABLE privacy_breaches;
