"""Modal screens: fork here, go to turn, search, help."""
