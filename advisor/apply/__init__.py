"""``advisor apply``: set a recommendation on the live function, journaled and undoable, or print its IaC.

- :mod:`advisor.apply.desired`: what to set (a recommendation's candidate, or options).
- :mod:`advisor.apply.state`: the live state read and journaled.
- :mod:`advisor.apply.plan`: the changes (the confirmation table) and the refusals.
- :mod:`advisor.apply.scaling`: a schedule as Application Auto Scaling scheduled actions.
- :mod:`advisor.apply.engine`: making the changes, each journaled first.
- :mod:`advisor.apply.restore`: putting the original back (``advisor restore``).
- :mod:`advisor.apply.session`: the lock, the journal and the restore around one apply.
- :mod:`advisor.apply.iac`: the SAM, Terraform and CDK snippets.
"""
