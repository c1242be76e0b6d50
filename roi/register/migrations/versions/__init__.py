"""The register's schema revisions, oldest first."""
