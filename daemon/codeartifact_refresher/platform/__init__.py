"""What differs between the systems we run on: where files live, and Linux's own calls."""
