ALTER TABLE audit_log DROP COLUMN reason;
DROP TABLE reporting_cycles;
