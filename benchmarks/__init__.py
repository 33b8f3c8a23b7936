"""Side-by-side benchmarks of holonet against named peers (never run in CI's test suite)."""
