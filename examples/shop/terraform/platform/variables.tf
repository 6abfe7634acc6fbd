variable "deploy_role_arn" {
  description = "Role CodeDeploy and CodePipeline act with"
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the shop VPC"
  type        = list(string)
}
