"""Seed 004's walk-through: a 3-2-1 MLP's forward pass by hand and by the
model, its losses, gradients and one SGD step, printing what the seed prints."""

import numpy as np

import lmx.core as mx
import lmx.nn as nn
import lmx.optimizers as optim


class MLP(nn.Module):
    def __init__(self, num_layers: int, input_dim: int, hidden_dim: int, output_dim: int):
        super().__init__()
        layer_sizes = [input_dim] + [hidden_dim] * num_layers + [output_dim]
        print("layer sizes:", layer_sizes)
        print("Layer sizes except the last:", layer_sizes[:-1])
        print("Layer sizes except the first:", layer_sizes[1:])
        self.layers = [nn.Linear(idim, odim) for idim, odim in zip(layer_sizes[:-1], layer_sizes[1:])]
        print(self.layers[0].weight.shape)
        for i, layer in enumerate(self.layers):
            print("\n")
            print(f"Layer {i} weights shape: {layer.weight.shape}")
            print(f"Layer {i} weights:\n{layer.weight}")
            print(f"Layer {i} biases shape: {layer.bias.shape}")
            print(f"Layer {i} biases: {layer.bias}")

    def __call__(self, x):
        for i, l in enumerate(self.layers[:-1]):
            z = l(x)
            print(f"\nLayer {i} linear output (before ReLU):\n{z}")
            x = mx.maximum(z, 0.0)
            print(f"Layer {i} output (after ReLU):\n{x}")
        z = self.layers[-1](x)
        print(f"\nOutput layer linear output:\n{z}")
        return z


def main():
    model = MLP(1, 3, 2, 1)

    X = mx.array(np.array([[0.5, -1.2, 3.3]]).astype(np.float32))
    print("Input X:\n", X)

    W_0, B_0 = model.layers[0].weight, model.layers[0].bias
    print("weight shape:", W_0.shape)
    print("weight:\n", W_0)
    print("bias:\n", B_0)
    W_0T = mx.transpose(W_0)
    print("W Transposed:\n ", W_0T)
    Z_0 = mx.matmul(X, W_0T)
    print("\nouput:\n", Z_0)
    products = [X[0][k].item() * W_0T[k][0].item() for k in range(3)]
    print(f"sum_result_0 = {sum(products):.3f}")
    Z_0 = Z_0 + B_0
    print("\nLinear Output:\n", Z_0)
    relu_output = mx.maximum(Z_0, 0.0)
    print(relu_output)

    W_1, B_1 = model.layers[1].weight, model.layers[1].bias
    W_1T = mx.transpose(W_1)
    print("W_1 Transposed:\n", W_1T)
    Z_1 = mx.matmul(relu_output, W_1T)
    print("Dot product (Z_1) before adding bias:\n\n", Z_1)
    Z_1 += B_1
    print("\nOutput layer linear output (Z_1):\n", Z_1)

    output = model(X)
    print("Model output:", output)

    mx.eval(model.parameters())
    print(model.parameters())

    def mse_loss(y_pred, y_true):
        return mx.mean((y_pred - y_true) ** 2)

    def loss_fn(model, X, y):
        return mx.mean(nn.losses.cross_entropy(model(X), y))

    y_true = mx.array(np.array([[0.2345]]).astype(np.float32))
    print("dummy ground truth:\n", y_true)
    print(f"Loss: {mse_loss(Z_1, y_true).item():.3f}")
    ce_loss = loss_fn(model, X, y_true)
    print(f"\nloss: {ce_loss.item():.3f}")

    print("model:\n", model)
    loss_and_grad_fn = nn.value_and_grad(model, loss_fn)
    loss, grads = loss_and_grad_fn(model, X, y_true)
    print(f"\n\nGrads: {grads}")
    for i, layer in enumerate(model.layers):
        print(f"Gradients of Layer {i} weights:\n{grads['layers'][i]['weight']}")
        print(f"\n\nGradients of Layer {i} biases:\n{grads['layers'][i]['bias']}")

    optimizer = optim.SGD(learning_rate=0.1)
    optimizer.update(model, grads)
    for i, layer in enumerate(model.layers):
        print(f"\nUpdated Layer {i} weights:\n{layer.weight}")
        print(f"Updated Layer {i} biases:\n{layer.bias}")
    print(model.parameters())


if __name__ == "__main__":
    main()
