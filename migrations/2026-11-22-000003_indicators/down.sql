DROP TABLE indicator_commentary;
DROP TABLE indicator_values;
DROP TABLE indicator_targets;
DROP TABLE indicators;
