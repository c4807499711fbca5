Console.Error.WriteLine("Hybrid: not written yet (issue 16).");
return 1;
