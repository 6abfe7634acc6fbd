retention = 14
owner     = "tfvars-owner"
