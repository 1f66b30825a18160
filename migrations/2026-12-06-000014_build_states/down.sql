DROP TABLE build_states;
