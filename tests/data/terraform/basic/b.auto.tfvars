retention = 60
