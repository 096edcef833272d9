"""Landing: reading a wave file, the validation gate and the raw tables."""
