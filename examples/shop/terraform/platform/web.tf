# The storefront: containers on ECS, a fleet of EC2 image renderers, and a Lambda API.

resource "aws_ecs_cluster" "shop" {
  name = "shop"
}

resource "aws_ecs_service" "storefront" {
  name            = "storefront"
  cluster         = aws_ecs_cluster.shop.id
  task_definition = "storefront:42"
  desired_count   = 3
  launch_type     = "FARGATE"

  network_configuration {
    subnets = var.subnet_ids
  }
}

resource "aws_launch_template" "renderer" {
  name_prefix   = "renderer-"
  image_id      = "ami-0123456789abcdef0"
  instance_type = "c7g.large"
}

resource "aws_autoscaling_group" "renderer" {
  name                = "renderer"
  min_size            = 2
  max_size            = 6
  vpc_zone_identifier = var.subnet_ids

  launch_template {
    id      = aws_launch_template.renderer.id
    version = aws_launch_template.renderer.latest_version
  }
}

resource "aws_lambda_function" "search" {
  function_name = "shop-search"
  role          = var.deploy_role_arn
  runtime       = "python3.12"
  handler       = "search.handler"
  filename      = "build/search.zip"
  publish       = true

  tracing_config {
    mode = "Active"
  }
}

resource "aws_lambda_alias" "search_live" {
  name             = "live"
  function_name    = aws_lambda_function.search.function_name
  function_version = aws_lambda_function.search.version
}
