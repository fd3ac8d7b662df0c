// Doctor workspace (being written).
