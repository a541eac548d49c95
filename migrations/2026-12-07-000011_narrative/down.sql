DROP TABLE narratives;
