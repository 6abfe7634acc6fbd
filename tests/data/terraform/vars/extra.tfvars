retention = 90
