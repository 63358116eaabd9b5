"""The statistics page: completeness and service shares over time, per region and prefecture, with exports."""
