DROP TABLE indicator_priorities;
DROP TABLE objective_indicators;
