DROP TABLE sign_in_failures;
DROP TABLE api_tokens;
DROP TABLE sessions;
