"""The helpers of each notebook, one module per notebook, named after its topic.

``regression`` (01_regression), ``cost_functions`` (02_cost_functions),
``linear_collapse`` (03_linear_collapse), ``forward_prop`` (04_forward_prop),
``backprop`` (05_backprop), ``digits`` (06_digits), ``training_well`` (07_training_well),
``autodiff`` (08_autodiff), ``convolution`` (09_convolution).

Each holds only what its notebook needs beyond the core (data for one figure,
a warm-up function, a drawing); the core modules of ``nnlessons`` hold
everything shared. A notebook imports its helpers as
``from nnlessons.lessons import backprop as bp``.
"""
