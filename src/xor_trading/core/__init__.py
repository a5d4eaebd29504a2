"""Clock, ids, errors, precision and timeframes. Imports nothing else from XOR."""
