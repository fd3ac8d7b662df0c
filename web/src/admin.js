// Admin pages (being written).
