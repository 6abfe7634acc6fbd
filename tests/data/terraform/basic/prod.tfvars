env = "prod"
retention = 9999
