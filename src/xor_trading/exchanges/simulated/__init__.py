"""exchanges/simulated."""
