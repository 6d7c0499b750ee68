"""Stand-in for the legacy billing database: schema, generator, billing-office simulator.

Used by the demo, the tests and the benchmarks; never imported by sync/ or portal/.
"""
