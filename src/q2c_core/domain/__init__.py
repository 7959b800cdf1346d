"""The q2c domain: values, aggregates, errors and pure billing math."""
