"""Units of work over the database: each public function is one transaction."""
