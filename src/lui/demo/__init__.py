"""Demo: the synthetic wave generator, its model, calibration and the pandas reference."""
