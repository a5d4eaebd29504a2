"""Shipped test kit: factories and fakes for XOR and plug-in authors."""
