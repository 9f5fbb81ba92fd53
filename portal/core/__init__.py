"""Small building blocks shared by every domain: time, errors, pagination."""
