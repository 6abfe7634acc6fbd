"""Read a CloudFormation or SAM template into a :class:`~opslint.model.Unit`.

* ``template``: the entry points, resources and their values (rules never see intrinsics);
* ``decoding``: cfn-lint's decoder (imported only when a template is parsed) and decoded nodes;
* ``sam``: SAM ``Globals`` merged into ``AWS::Serverless::*`` resources;
* ``intrinsics``: ``Ref``, ``Fn::GetAtt``, ``Fn::Sub`` (one parser), ``Fn::If``, ... and the
  resources a value references;
* ``spans``: the last line of a node, for exact spans.
"""

from opslint.parsers.cloudformation.template import looks_like_template, parse_template

__all__ = ["looks_like_template", "parse_template"]
