# How changes reach production.

resource "aws_codedeploy_app" "renderer" {
  name = "renderer"
}

resource "aws_codedeploy_deployment_group" "renderer" {
  app_name               = aws_codedeploy_app.renderer.name
  deployment_group_name  = "renderer"
  service_role_arn       = var.deploy_role_arn
  autoscaling_groups     = [aws_autoscaling_group.renderer.name]
  deployment_config_name = "CodeDeployDefault.AllAtOnce"
}

resource "aws_cloudformation_stack" "legacy_network" {
  name             = "shop-legacy-network"
  template_url     = "https://shop-templates.s3.amazonaws.com/network.yaml"
  disable_rollback = true
}

resource "aws_appconfig_application" "shop" {
  name = "shop"
}

resource "aws_appconfig_environment" "production" {
  name           = "production"
  application_id = aws_appconfig_application.shop.id
}

resource "aws_codepipeline" "site" {
  name          = "shop-site"
  role_arn      = var.deploy_role_arn
  pipeline_type = "V2"

  artifact_store {
    location = "shop-artifacts"
    type     = "S3"
  }

  stage {
    name = "Source"

    action {
      name             = "Source"
      category         = "Source"
      owner            = "AWS"
      provider         = "S3"
      version          = "1"
      output_artifacts = ["site"]

      configuration = {
        S3Bucket    = "shop-sources"
        S3ObjectKey = "site.zip"
      }
    }
  }

  stage {
    name = "Deploy"

    action {
      name            = "Site"
      category        = "Deploy"
      owner           = "AWS"
      provider        = "S3"
      version         = "1"
      input_artifacts = ["site"]

      configuration = {
        BucketName = "shop-site"
        Extract    = "true"
      }
    }
  }
}
