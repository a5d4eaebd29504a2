"""Compiled loops written in C (``_kernels.c``), built with the package.

They take and fill numpy arrays through the buffer protocol; every caller allocates the
arrays. See docs/adr/0008-native-kernels.md for why these loops are C rather than numba.
"""
