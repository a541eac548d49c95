DROP TABLE progress_updates;
DROP TABLE milestones;
DROP TABLE risks;
DROP TABLE objective_priorities;
DROP TABLE objectives;
DROP TABLE priorities;
DROP TABLE plans;
